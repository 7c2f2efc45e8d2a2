/** The one signature algorithm Parley issues and accepts: EdDSA over Ed25519. */
export const TOKEN_ALG = 'EdDSA';
export const TOKEN_CURVE = 'Ed25519';
export const TOKEN_TYP = 'JWT';

/** The contract's bound: `exp` is at most 15 minutes after `iat`. */
export const MAX_ACCESS_TTL_SECONDS = 900;

/** Longer strings are rejected before any parsing (an access token is well under 1 KiB). */
export const MAX_TOKEN_LENGTH = 4096;
