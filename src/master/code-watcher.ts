/**
 * `--reload` (development): watch the app's directory and reload the workers when a source
 * file changes. A burst of writes (an editor save, a compiler run) becomes one reload.
 */
import { watch, type FSWatcher } from 'node:fs';

const SOURCE = /\.(?:[cm]?js|json|[cm]?ts)$/;
const IGNORED = /(?:^|[\\/])(?:node_modules|\.git)(?:[\\/]|$)/;
const DEBOUNCE_MS = 300;

export class CodeWatcher {
  readonly #watcher: FSWatcher;
  #timer: NodeJS.Timeout | undefined;

  constructor(dir: string, onChange: (file: string) => void) {
    this.#watcher = watch(dir, { recursive: true, persistent: false }, (_event, file) => {
      if (!file || IGNORED.test(file) || !SOURCE.test(file)) return;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => onChange(file), DEBOUNCE_MS);
    });
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#watcher.close();
  }
}
