/**
 * Symmetric encryption for secrets Loam must be able to read back — access-key secrets, which SigV4
 * verification needs in plaintext — so they are never stored in the clear. The server's adapter keeps
 * its key outside the metadata store (`<data-dir>/server.key`), so a copy of the database alone
 * reveals nothing.
 */
export interface SecretBox {
  /**
   * Encrypts `plaintext` with a fresh random nonce; sealing the same text twice gives different
   * output. The result is printable ASCII, safe to store as text, and carries a format version.
   */
  seal(plaintext: string): string;
  /**
   * Decrypts what `seal` produced.
   *
   * @throws Error when the input was not sealed by this box's key, was altered, or has an unknown
   * format version; never returns a wrong plaintext.
   */
  open(sealed: string): string;
}
