/**
 * The model cards of an effect's models as the surfaces show them (the daemon's effect list for the panels,
 * the OFX catalog for plugin descriptions): models with the same card are listed together, so the five fast
 * styles do not repeat one licence five times while each keeps what it learned from. Test-only models are
 * never offered by an effect, and a model without a manifest here is listed with no card rather than failing.
 */
import type { ModelCardSummary } from '../client/protocol.ts';
import { cardOf } from './manifests.ts';

export function effectModelCards(models: readonly string[]): ModelCardSummary[] {
  const out: ModelCardSummary[] = [];
  for (const id of models) {
    const card = cardOf(id);
    if (!card) continue;
    const same = out.find(
      (c) =>
        c.license === card.license && c.trainedOn === card.trainedOn && c.knownBiases === card.knownBiases,
    );
    if (same) same.models.push(id);
    else out.push({ models: [id], ...card });
  }
  return out;
}
