/** Writes docs/settings.md from the settings table (after a build; see generated-doc.ts for the options). */
import { settingsMarkdown } from '../src/config/index.js';
import { writeGeneratedDoc } from './generated-doc.js';

process.exitCode = await writeGeneratedDoc(process.argv.slice(2), 'docs/settings.md', settingsMarkdown());
