/** Writes docs/errors.md from the error tables (after a build; see generated-doc.ts for the options). */
import { errorsMarkdown } from '../src/errors-markdown.js';
import { writeGeneratedDoc } from './generated-doc.js';

process.exitCode = await writeGeneratedDoc(process.argv.slice(2), 'docs/errors.md', errorsMarkdown());
