// A Vitest reporter that appends one JSON line per test file as it starts and as it ends, to the file
// LOAM_TEST_PROGRESS_FILE names (nothing when it is unset: other runs in the checkout leave it alone). Vitest's own JSON report is written only when the whole run ends; when
// `scripts/test.mjs` has to stop a run that outlived its time budget, this file is what tells which
// tests passed, which failed, and which files were still running.
import { appendFileSync, writeFileSync } from 'node:fs';

const progressFile = process.env.LOAM_TEST_PROGRESS_FILE;

const firstLine = (e) => String(e?.message ?? e ?? '').split('\n')[0];

export default class ProgressReporter {
  onInit() {
    if (progressFile) writeFileSync(progressFile, '');
  }

  onTestModuleStart(module) {
    if (progressFile) appendFileSync(progressFile, JSON.stringify({ start: module.relativeModuleId }) + '\n');
  }

  onTestModuleEnd(module) {
    if (!progressFile) return;
    const tests = [...module.children.allTests()].map((t) => {
      const r = t.result();
      return { name: t.fullName, state: r.state, errors: (r.errors ?? []).map(firstLine) };
    });
    appendFileSync(progressFile, JSON.stringify({
      end: module.relativeModuleId, state: module.state(), errors: module.errors().map(firstLine), tests,
    }) + '\n');
  }
}
