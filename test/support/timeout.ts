import { plugin } from "bun";

// Loaded before the test files (bunfig.toml). Bun's default is 5 s per test, which a heavy test
// (an export of many pages, a spawned server) overran in CI on a busy 2-core machine. Timings are
// asserted in `bun run bench`, never here, so a generous ceiling only catches real hangs.
//
// setDefaultTimeout applies to the file that calls it: called here, it covered only the first
// test file of the run (measured with two files each sleeping 6 s: the second failed at 5 s).
// So every test file calls it first, prepended on its first line so line numbers stay true.
const DEFAULT_TIMEOUT_MS = 60_000;

plugin({
  name: "default-test-timeout",
  setup(build) {
    build.onLoad({ filter: /\.test\.ts$/ }, async ({ path }) => ({
      contents: `import { setDefaultTimeout as __setDefaultTimeout } from "bun:test"; __setDefaultTimeout(${DEFAULT_TIMEOUT_MS}); ${await Bun.file(path).text()}`,
      loader: "ts",
    }));
  },
});
