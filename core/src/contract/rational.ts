/** An exact ratio (frame rates, retime steps). Arithmetic lives in media/rational.ts. */
export interface Rational {
  num: number;
  den: number;
}
