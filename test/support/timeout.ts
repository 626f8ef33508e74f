import { setDefaultTimeout } from "bun:test";

// Loaded before every test file (bunfig.toml). Bun's default is 5 s per test, which a heavy test
// (an export of many pages, a spawned server) overran in CI on a busy 2-core machine. Timings are
// asserted in `bun run bench`, never here, so a generous ceiling only catches real hangs.
setDefaultTimeout(60_000);
