// Entry point of the /sdk.js build: a classic script that defines one global, EventIngest.
import { createTracker } from "./tracker";

(globalThis as { EventIngest?: unknown }).EventIngest = { createTracker };
