/**
 * Which time ranges are taken on which track, so a render is placed only where it overwrites nothing.
 * Shared by the host adapters (Premiere video tracks; AE has layers and needs no such check).
 */
export class TrackOccupancy {
  private readonly tracks: [number, number][][];
  private readonly existing: number;

  /** `tracks[i]` = [start, end) second ranges of the clips on track i (0-based). */
  constructor(tracks: [number, number][][]) {
    this.tracks = tracks.map((t) => [...t]);
    this.existing = tracks.length;
  }

  // Clips that merely touch (one ends where the next starts) do not overlap; allow for tick rounding.
  private static readonly EPSILON = 1e-4;

  isFree(track: number, start: number, end: number): boolean {
    const ranges = this.tracks[track] ?? [];
    return ranges.every(([s, e]) => e <= start + TrackOccupancy.EPSILON || s >= end - TrackOccupancy.EPSILON);
  }

  /** True for a track that does not exist yet (placing there creates it). */
  isNew(track: number): boolean {
    return track >= this.existing;
  }

  /**
   * Picks the track right above `originalTrack` if the range is free there, else the first new track
   * (index >= existing count) where it is free, and records the claim so later placements see it.
   */
  claimAbove(originalTrack: number, start: number, end: number): number {
    let track = originalTrack + 1;
    if (!(track < this.existing && this.isFree(track, start, end))) {
      track = this.existing;
      while (!this.isFree(track, start, end)) track++;
    }
    while (this.tracks.length <= track) this.tracks.push([]);
    this.tracks[track]!.push([start, end]);
    return track;
  }
}
