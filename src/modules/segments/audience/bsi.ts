// A bit-sliced index: one Roaring bitmap per binary digit of a non-negative integer per customer, plus the set of
// customers that have a value. "value ≥ k" is then a handful of bitmap operations whatever k is (O'Neil & Quass).
import roaring from 'roaring';

const { RoaringBitmap32 } = roaring;
export type Bitmap = InstanceType<typeof RoaringBitmap32>;
export const newBitmap = (): Bitmap => new RoaringBitmap32();

/** Largest value a slice index holds exactly; larger values make the dimension fall back to SQL. */
export const BSI_MAX = 2 ** 48;

export class Bsi {
  readonly exists = new RoaringBitmap32();
  readonly slices: Bitmap[] = [];

  get(seq: number): number | null {
    if (!this.exists.has(seq)) return null;
    let v = 0;
    for (let i = 0; i < this.slices.length; i++) if (this.slices[i]!.has(seq)) v += 2 ** i;
    return v;
  }

  set(seq: number, value: number | null): void {
    if (value === null) {
      this.exists.remove(seq);
      for (const s of this.slices) s.remove(seq);
      return;
    }
    this.exists.add(seq);
    this.grow(value);
    for (let i = 0; i < this.slices.length; i++) {
      if (Math.floor(value / 2 ** i) % 2 === 1) this.slices[i]!.add(seq);
      else this.slices[i]!.remove(seq);
    }
  }

  /** Adds many (seq, value) pairs at once, for rebuilds: one addMany per slice instead of a call per bit. */
  load(seqs: number[], values: number[]): void {
    let max = 0;
    for (const v of values) if (v > max) max = v;
    this.grow(max);
    this.exists.addMany(seqs);
    const perSlice: number[][] = this.slices.map(() => []);
    for (let j = 0; j < seqs.length; j++) {
      let v = values[j]!;
      for (let i = 0; v > 0; i++, v = Math.floor(v / 2)) if (v % 2 === 1) perSlice[i]!.push(seqs[j]!);
    }
    perSlice.forEach((s, i) => {
      if (s.length > 0) this.slices[i]!.addMany(s);
    });
  }

  private grow(value: number): void {
    while (2 ** this.slices.length <= value) this.slices.push(new RoaringBitmap32());
  }

  /** Customers whose value is at least k. */
  gte(k: number): Bitmap {
    if (k <= 0) return this.exists.clone();
    if (k >= 2 ** this.slices.length) return new RoaringBitmap32();
    let gt = new RoaringBitmap32();
    const eq = this.exists.clone();
    for (let i = this.slices.length - 1; i >= 0; i--) {
      const slice = this.slices[i]!;
      if (Math.floor(k / 2 ** i) % 2 === 1) eq.andInPlace(slice);
      else {
        gt = RoaringBitmap32.or(gt, RoaringBitmap32.and(eq, slice));
        eq.andNotInPlace(slice);
      }
    }
    gt.orInPlace(eq);
    return gt;
  }

  /** Customers that have a value of at most k. */
  lte(k: number): Bitmap {
    return RoaringBitmap32.andNot(this.exists, this.gte(k + 1));
  }

  bytes(): number {
    return this.slices.reduce(
      (n, s) => n + s.getSerializationSizeInBytes('croaring'),
      this.exists.getSerializationSizeInBytes('croaring'),
    );
  }
}
