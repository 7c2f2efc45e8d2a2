import { Injectable } from '@nestjs/common';
import { JsonWebKeySet } from '@parley/ports';
import { SigningKeyRing } from '../../keys/signing-key-ring';

/** The public keys that verify access tokens: the active one and those retired recently. */
@Injectable()
export class JwksUseCase {
  constructor(private readonly keyRing: SigningKeyRing) {}

  execute(): Promise<JsonWebKeySet> {
    return this.keyRing.published();
  }
}
