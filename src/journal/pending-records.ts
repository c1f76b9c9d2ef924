// The owner of every pending record, by entry number: a ring of float64 slots covering the numbers
// from the oldest pending record to the newest entry. Records are appended at the end and mostly
// settled near the start, so the window stays short and every operation is O(1) amortised, with no
// per-record allocation: a Map of a million records cost a quarter of the time of an append (its
// hashing and growth). A record pending for long keeps the window open behind it; the window is
// bounded by the entries in the journal's files (8 bytes a slot).
//
// A slot holds 0 for "not pending" (settled records and entries of other kinds), batch + 1 for a
// record in a batch, and the negative partition code of a record in no batch.

const INITIAL_CAPACITY = 1024;
/** An empty table larger than this gives its memory back. */
const IDLE_CAPACITY = 65_536;

export class PendingRecords {
  private slots = new Float64Array(INITIAL_CAPACITY);
  private mask = INITIAL_CAPACITY - 1;
  /** Every pending number is in [start, end). */
  private start = 0;
  private end = 0;
  private count = 0;

  /** Pending records. */
  get size(): number {
    return this.count;
  }

  has(number: number): boolean {
    return this.slot(number) !== 0;
  }

  /** The owner of a pending record (a batch entry number, or a negative partition code), or undefined. */
  get(number: number): number | undefined {
    const slot = this.slot(number);
    if (slot === 0) return undefined;
    return slot > 0 ? slot - 1 : slot;
  }

  /** Makes `number` pending with `owner`: a new record (at or after every number so far) or a pending one. */
  set(number: number, owner: number): void {
    const slot = owner >= 0 ? owner + 1 : owner;
    if (number >= this.start && number < this.end) {
      const index = number & this.mask;
      if (this.slots[index] === 0) this.count++;
      this.slots[index] = slot;
      return;
    }
    if (number < this.end) throw new RangeError(`record ${number} is before the pending window (${this.start})`);
    if (this.count === 0) {
      // Nothing pending: the window restarts at the new record.
      if (this.slots.length > IDLE_CAPACITY) this.resize(INITIAL_CAPACITY);
      this.start = number;
    } else if (number - this.start >= this.slots.length) {
      let capacity = this.slots.length * 2;
      while (number - this.start >= capacity) capacity *= 2;
      this.resize(capacity);
    }
    // Every slot but those of pending records holds 0 (delete clears, the window never spans more
    // than the ring), so the numbers skipped since `end`, entries of other kinds, need no clearing.
    this.slots[number & this.mask] = slot;
    this.end = number + 1;
    this.count++;
  }

  /** Settles a pending record; returns its owner, or undefined when it was not pending. */
  delete(number: number): number | undefined {
    const owner = this.get(number);
    if (owner === undefined) return undefined;
    this.slots[number & this.mask] = 0;
    this.count--;
    if (number === this.start) {
      while (this.start < this.end && this.slots[this.start & this.mask] === 0) this.start++;
    }
    return owner;
  }

  /** Calls `visit` for every pending record in number order. */
  forEach(visit: (number: number, owner: number) => void): void {
    for (let number = this.start; number < this.end; number++) {
      const slot = this.slots[number & this.mask]!;
      if (slot !== 0) visit(number, slot > 0 ? slot - 1 : slot);
    }
  }

  private slot(number: number): number {
    if (number < this.start || number >= this.end) return 0;
    return this.slots[number & this.mask]!;
  }

  private resize(capacity: number): void {
    const slots = new Float64Array(capacity);
    const mask = capacity - 1;
    for (let number = this.start; number < this.end; number++) slots[number & mask] = this.slots[number & this.mask]!;
    this.slots = slots;
    this.mask = mask;
  }
}
