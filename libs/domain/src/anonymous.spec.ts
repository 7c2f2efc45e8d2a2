import { isParticipantId, newAnonymousName as nameWith, newParticipantId as idWith, withinRejoinWindow } from './anonymous';

/** Math.random stands in for the service's crypto source here: the tests check form, not entropy. */
const mathInt = (max: number) => Math.floor(Math.random() * max);
const newParticipantId = (random: (max: number) => number = mathInt) => idWith(random);
const newAnonymousName = (random: (max: number) => number = mathInt) => nameWith(random);

describe('anonymous participants (pure parts)', () => {
  it('draws participant ids of p- and 16 base32 characters, all different', () => {
    const ids = new Set(Array.from({ length: 500 }, () => newParticipantId()));
    expect(ids.size).toBe(500);
    for (const id of ids) expect(id).toMatch(/^p-[a-z2-7]{16}$/);
  });

  it('uses the random source it is given (and every base32 letter)', () => {
    let n = 0;
    expect(newParticipantId(() => n++ % 32)).toBe('p-abcdefghijklmnop');
    expect(newParticipantId(() => 31)).toBe('p-7777777777777777');
  });

  it('tells participant ids from user ids', () => {
    expect(isParticipantId('p-abcdefghijklmnop')).toBe(true);
    expect(isParticipantId('68af943a-fcf8-4349-a770-e73f8013931d')).toBe(false);
    expect(isParticipantId('p-abcdefghijklmno')).toBe(false);
    expect(isParticipantId('p-ABCDEFGHIJKLMNOP')).toBe(false);
    expect(isParticipantId('p-abcdefghijklmnop1')).toBe(false);
    expect(isParticipantId('p-abcdefghijklmn01')).toBe(false);
  });

  it('generates display names like "Quiet Heron 4821"', () => {
    for (let i = 0; i < 200; i++) expect(newAnonymousName()).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ [1-9]\d{3}$/);
    expect(newAnonymousName(() => 0)).toBe('Quiet Heron 1000');
  });

  it('keeps a pseudonym within the rejoin window of leaving, inclusive, and not after', () => {
    const left = '2026-12-05T00:00:00.000Z';
    const t = Date.parse(left);
    expect(withinRejoinWindow(null, t, 300)).toBe(true);
    expect(withinRejoinWindow(left, t + 300_000, 300)).toBe(true);
    expect(withinRejoinWindow(left, t + 300_001, 300)).toBe(false);
    expect(withinRejoinWindow(left, t + 1, 0)).toBe(false);
  });
});
