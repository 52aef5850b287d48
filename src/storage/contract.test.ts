import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeStorageContract } from './contract.js';
import { LocalStorage } from './local.js';
import { MemoryStorage } from './memory.js';

describeStorageContract('MemoryStorage', async () => ({
  storage: new MemoryStorage('contract'),
  cleanup: async () => {},
}));

describeStorageContract('LocalStorage', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'delta-ts-contract-'));
  return { storage: new LocalStorage(dir), cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
});

describeStorageContract('LocalStorage under a root with spaces and %', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'delta-ts contract %20 '));
  return {
    storage: new LocalStorage(path.join(dir, 'tbl')),
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
});
