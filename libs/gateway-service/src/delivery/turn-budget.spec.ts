import { TurnBudget } from './turn-budget';

describe('TurnBudget', () => {
  /** Counts event-loop turns: each setImmediate callback starts the next. */
  function turnCounter() {
    let turn = 0;
    let stopped = false;
    const tick = () => {
      if (stopped) return;
      turn++;
      setImmediate(tick);
    };
    setImmediate(tick);
    return { now: () => turn, stop: () => (stopped = true) };
  }

  it('lets writes under the limit go on in the same turn and makes the one that reaches it wait for the next', async () => {
    const budget = new TurnBudget(100);
    const turns = turnCounter();
    const start = turns.now();
    await budget.spend(40);
    await budget.spend(40);
    expect(turns.now()).toBe(start);
    await budget.spend(40);
    expect(turns.now()).toBeGreaterThan(start);
    turns.stop();
  });

  it('starts each turn with the whole budget', async () => {
    const budget = new TurnBudget(100);
    await budget.spend(150);
    const turns = turnCounter();
    const start = turns.now();
    await budget.spend(99);
    expect(turns.now()).toBe(start);
    turns.stop();
  });

  it('slices a long run of writes into turns of about the limit each', async () => {
    const budget = new TurnBudget(1000);
    const turns = turnCounter();
    const perTurn = new Map<number, number>();
    for (let i = 0; i < 50; i++) {
      perTurn.set(turns.now(), (perTurn.get(turns.now()) ?? 0) + 100);
      await budget.spend(100);
    }
    turns.stop();
    expect([...perTurn.values()].every((bytes) => bytes <= 1000)).toBe(true);
    expect(perTurn.size).toBeGreaterThanOrEqual(5);
  });
});
