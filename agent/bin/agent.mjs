#!/usr/bin/env node
// La Télécommande agent. The sources are TypeScript run through tsx: no build step to forget.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
