import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOwnDir, openOwnFile, readOwnText } from './own-files.js';

let dir: string;
let root: string;
let secret: string;

// A fresh directory for each test, so a retried test does not meet the links and FIFO its first try made.
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loam-own-files-'));
  root = join(dir, 'opt', 'ml');
  mkdirSync(join(root, 'output'), { recursive: true });
  mkdirSync(join(root, 'model'));
  secret = join(dir, 'credentials');
  writeFileSync(secret, 'aws_secret_access_key = s3cr3t');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('files the image wrote, as the runner reads them', () => {
  it('reads a regular file under the root, trimmed and cut at max characters', () => {
    writeFileSync(join(root, 'output', 'failure'), '  bad input on line 3  \n');
    expect(readOwnText(root, join(root, 'output', 'failure'), 1024)).toBe('bad input on line 3');
    expect(readOwnText(root, join(root, 'output', 'failure'), 5)).toBe('bad');
    expect(readOwnText(root, join(root, 'output', 'missing'), 1024)).toBeUndefined();
  });

  it('refuses a link to a file outside the root, and a link inside it too', () => {
    symlinkSync(secret, join(root, 'output', 'message'));
    expect(readOwnText(root, join(root, 'output', 'message'), 1024)).toBeUndefined();
    symlinkSync(join(root, 'output', 'failure'), join(root, 'output', 'inner-link'));
    expect(openOwnFile(root, join(root, 'output', 'inner-link'))).toBeUndefined();
  });

  it('refuses a file reached through a directory link that leaves the root', () => {
    symlinkSync(dir, join(root, 'escape'));
    expect(openOwnFile(root, join(root, 'escape', 'credentials'))).toBeUndefined();
    expect(isOwnDir(root, join(root, 'escape'))).toBe(false);
  });

  it('refuses a FIFO without blocking, and a directory', () => {
    execFileSync('mkfifo', [join(root, 'output', 'fifo')]);
    expect(openOwnFile(root, join(root, 'output', 'fifo'))).toBeUndefined();
    expect(openOwnFile(root, join(root, 'model'))).toBeUndefined();
  });

  it('opens a regular file under the root; a real directory under it is its own', () => {
    writeFileSync(join(root, 'model', 'w.bin'), 'x');
    const fd = openOwnFile(root, join(root, 'model', 'w.bin'));
    expect(fd).toBeTypeOf('number');
    closeSync(fd!);
    expect(isOwnDir(root, join(root, 'model'))).toBe(true);
    expect(isOwnDir(root, join(dir, 'opt'))).toBe(false);
    expect(isOwnDir(root, join(root, 'nothing'))).toBe(false);
  });
});
