/**
 * Resources closed in the reverse order they were opened (the `DisposableStack` idea, which
 * Node 20 lacks): whatever `start()` managed to open before a failure is closed by the same
 * code that closes it at exit.
 */
export type Disposer = () => void;

export class DisposerStack {
  readonly #stack: { readonly name: string; readonly dispose: Disposer }[] = [];

  /** Register what undoes a resource that was just opened. */
  defer(name: string, dispose: Disposer): void {
    this.#stack.push({ name, dispose });
  }

  get names(): readonly string[] {
    return this.#stack.map((e) => e.name);
  }

  /** Close everything, newest first; a failing closer does not keep the others open. */
  dispose(onError: (name: string, err: unknown) => void = () => undefined): void {
    for (let entry = this.#stack.pop(); entry; entry = this.#stack.pop()) {
      try {
        entry.dispose();
      } catch (err) {
        onError(entry.name, err);
      }
    }
  }
}
