import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ERRORS, TsgunError, type ErrorCode } from '../../src/errors.js';
import { errorsMarkdown } from '../../src/errors-markdown.js';
import { REFUSALS } from '../../src/http/refusals.js';
import { ERR } from '../../src/http/validate.js';

describe('errors as documented data', () => {
  it('matches the committed docs/errors.md (regenerate: npm run build && npm run docs)', async () => {
    const committed = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    expect(committed).toBe(errorsMarkdown());
  });

  it('documents every error code, and a TsgunError carries its code, exit code and message', () => {
    const undocumented = Object.entries(ERRORS).filter(([, spec]) => !('doc' in spec) || String(spec.doc).length < 10);
    expect(undocumented.map(([code]) => code)).toEqual([]);
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      const err = new TsgunError(code, 'detail');
      expect(err).toMatchObject({ code, exitCode: ERRORS[code].exitCode, message: `${ERRORS[code].message}: detail` });
    }
  });

  it('gives each refusal one reason string, shared as one ClientError per reason', () => {
    const reasons = Object.values(REFUSALS).map((r) => r.reason);
    expect(new Set(reasons).size).toBe(reasons.length);
    for (const r of reasons) expect(r).toMatch(/^[a-z0-9][a-z0-9.-]*$/);
    for (const [name, spec] of Object.entries(REFUSALS)) {
      expect(ERR[name as keyof typeof ERR]).toMatchObject({ status: spec.status, reason: spec.reason });
    }
    expect(errorsMarkdown()).toContain('| 431 | `too-many-headers` |');
  });
});
