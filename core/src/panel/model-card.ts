/**
 * What the panel's effect form says about the chosen effect: what it is and, for each of its models, the
 * model card (licence, what it learned from, known biases) the daemon sends from the model manifests. Pure
 * data → lines, so the view only lays them out and the wording is tested on its own.
 */
import type { EffectSummary } from '../client/protocol.ts';

export interface CardSection {
  /** The models this card is for ("fast-neural-style-candy, fast-neural-style-mosaic"). */
  title: string;
  rows: { label: string; text: string }[];
}

export interface EffectCard {
  about: string;
  sections: CardSection[];
  /** Said instead of sections when there is nothing to show (no models, or a daemon without cards). */
  note?: string;
}

export function effectCard(effect: EffectSummary): EffectCard {
  const about = effect.description;
  if (effect.models.length === 0) {
    return {
      about,
      sections: [],
      note: 'No learned model: plain image processing, nothing learned from data.',
    };
  }
  const cards = effect.modelCards;
  if (!cards || cards.length === 0) {
    return {
      about,
      sections: [],
      note: `Models: ${effect.models.join(', ')}. This daemon sends no model cards: see \`mlxv models list\`.`,
    };
  }
  return {
    about,
    sections: cards.map((c) => ({
      title: c.models.join(', '),
      rows: [
        { label: 'Licence', text: c.license },
        { label: 'Learned from', text: c.trainedOn },
        { label: 'Known biases', text: c.knownBiases },
      ],
    })),
  };
}
