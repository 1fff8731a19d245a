import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompactEncrypt, base64url, compactDecrypt } from 'jose';
import { makePrivateDir } from '../storage/private-dir.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Seals values stored at rest (private keys, client secrets) under the master
 * key, as compact JWE (dir + A256GCM) so the format is a standard one.
 */
export class SecretBox {
  private constructor(private readonly key: Uint8Array) {}

  static fromKey(key: Uint8Array): SecretBox {
    if (key.length !== 32) throw new Error('the master key must be 32 bytes (base64url-encoded)');
    return new SecretBox(key);
  }

  /** LATCHKEY_MASTER_KEY when given; else a key file in the data dir, created on first start. */
  static load(dataDir: string, masterKey?: string): SecretBox {
    if (masterKey) return SecretBox.fromKey(base64url.decode(masterKey.trim()));
    const file = join(dataDir, 'master.key');
    if (!existsSync(file)) {
      makePrivateDir(dataDir);
      writeFileSync(file, base64url.encode(randomBytes(32)) + '\n', { mode: 0o600, flag: 'wx' });
    }
    return SecretBox.fromKey(base64url.decode(readFileSync(file, 'utf8').trim()));
  }

  /** A separate key for another purpose (e.g. signing cookies), so the master key itself is used for one thing only. */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, new Uint8Array(0), `latchkey ${purpose}`, 32));
  }

  async seal(plaintext: string): Promise<string> {
    return new CompactEncrypt(encoder.encode(plaintext))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(this.key);
  }

  async open(sealed: string): Promise<string> {
    const { plaintext } = await compactDecrypt(sealed, this.key);
    return decoder.decode(plaintext);
  }
}
