import process from 'node:process';
import { teardown as removeTempDirs } from './temp-dirs.js';

export default function teardown() {
  removeTempDirs();
  // Jest sets the exit code when a test file's leftover work logs or loads a module after the
  // file ended; it prints why in the middle of the run, and the run fails with every test passed.
  if (process.exitCode) {
    process.stderr.write(
      `\nThe run ends with exit code ${process.exitCode} set during it: search the output above for ` +
        '"torn down" or "Cannot log after tests are done" (work a test file left running).\n',
    );
  }
}
