#!/usr/bin/env node
/** @module `npm run dev`: loads TypeScript through tsx, then hands over to the launcher. */
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/dev/launch.ts");
process.exit(await main(process.argv.slice(2)));
