import { Inject, Injectable, Optional } from '@nestjs/common';
import { DomainError, validationFailed } from '@parley/domain';
import { Logger, LOGGER } from '@parley/observability';
import { CODE_SENDERS, CodeRequest, CodeRequestResult, CodeSenders } from '@parley/ports';
import { AUTH_OPTIONS, AuthOptions } from '../../auth.options';
import { CodeCrypto } from '../../codes/code-crypto';
import { DEFAULT_CODE_LOGIN } from '../../codes/code-options';
import { CodePepper } from '../../codes/code-pepper';
import { normalizeDestination } from '../../codes/destination';
import { LoginCodesRepository } from '../../storage/login-codes.repository';

/** One request in this many prunes stale rows. */
const PRUNE_CHANCE = 0.02;

/**
 * Issues a code to a destination and hands it to the channel's sender. Looks at no account: the
 * answer (and the work behind it) is the same whether or not the destination belongs to one.
 * A new code replaces the destination's previous one; the destination's resend gap and hourly
 * sends are enforced here, in the database, so every gateway and replica shares them.
 */
@Injectable()
export class RequestCodeUseCase {
  private readonly options;

  constructor(
    @Inject(AUTH_OPTIONS) options: AuthOptions,
    private readonly pepper: CodePepper,
    private readonly codes: LoginCodesRepository,
    @Optional() @Inject(CODE_SENDERS) private readonly senders?: CodeSenders,
    @Optional() @Inject(LOGGER) private readonly logger?: Logger,
  ) {
    this.options = options.codes ?? DEFAULT_CODE_LOGIN;
  }

  async execute(input: CodeRequest): Promise<CodeRequestResult> {
    const sender = this.senders?.[input.channel];
    if (!sender) throw validationFailed(`sign-in with a code by ${input.channel} is not enabled on this server`);
    const address = normalizeDestination(input.channel, input.destination);
    const crypto = this.pepper.get();
    const key = crypto.destinationKey(input.channel, address);
    const code = CodeCrypto.newCode(this.options.length);
    const o = this.options;
    const issued = await this.codes.issue(key, crypto.codeHash(key, code), o.ttlSeconds, o.maxAttempts, o.resendAfterSeconds, o.sendsPerHour);
    if (!issued.issued) return { status: 'throttled', retry_after: Math.max(1, issued.retryAfterSec) };
    // Now and then, the request that just wrote a row clears the stale ones (bounded; no timer to run).
    if (Math.random() < PRUNE_CHANCE) void this.codes.prune().catch((e: unknown) => this.logger?.warn('login code pruning failed', { err: e }));
    const delivery = await sender.send({ channel: input.channel, to: address, code, ttlSeconds: o.ttlSeconds });
    if (delivery.status === 'sent') return { status: 'sent', expires_in: o.ttlSeconds };
    this.logger?.warn('one-time code not delivered', { channel: input.channel, provider: sender.name, outcome: delivery.status, reason: delivery.reason });
    if (delivery.status === 'rejected') throw validationFailed(`the ${input.channel} provider refused this destination`);
    throw new DomainError('UNAVAILABLE', 'the code could not be sent now; try again later');
  }
}
