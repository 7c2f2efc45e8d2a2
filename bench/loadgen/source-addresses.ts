/**
 * Source addresses for client sockets. One address gives about 28k ephemeral ports, and a port a
 * client closed first stays in TIME_WAIT for a minute, so connections are spread over a range of
 * loopback addresses (all of 127/8 is local on Linux) and successive rounds keep moving along it.
 */
export class SourceAddresses {
  private next = 0;
  private readonly addresses: string[];

  /** `first` and `last` are the last octet of 127.0.0.x (inclusive). */
  constructor(first: number, last: number) {
    if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last > 254 || first > last) {
      throw new Error(`source address range must be within 127.0.0.1..127.0.0.254, got ${first}..${last}`);
    }
    this.addresses = Array.from({ length: last - first + 1 }, (_, i) => `127.0.0.${first + i}`);
  }

  get size(): number {
    return this.addresses.length;
  }

  take(): string {
    const a = this.addresses[this.next];
    this.next = (this.next + 1) % this.addresses.length;
    return a;
  }
}
