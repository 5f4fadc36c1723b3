#!/usr/bin/env node
import { main } from '../src/cli/main.js';

// Exit explicitly: a user hook or library may have left a handle open, and the master is done.
process.exit(await main(process.argv.slice(2)));
