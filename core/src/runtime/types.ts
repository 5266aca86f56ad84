/** The runtime's interfaces live in the contract leaf (effects code against them); re-exported here. */
export type * from '../contract/session.ts';
