// InitProducerId, the one request that gives a producer its id and epoch, for both kinds of
// producer: an idempotent one asks any broker, with no transactional id; a transactional one asks
// its coordinator, with its id and transaction timeout, and bumps the epoch it has after an
// abortable error (KIP-360: the same id and epoch are sent, a higher epoch comes back). Where the
// request goes and how failures are retried stay with the caller (the sender, the transaction
// manager); the request and what an answer does to the identity are written here once.
import { ErrorCode } from '../../errors/broker-error-codes.js';
import type { Connection } from '../../network/connection.js';
import type { InitProducerIdResponseData } from '../../protocol/index.js';
import type { ProducerIdentity } from './producer-identity.js';

/** What an idempotent producer sends: no transaction, so no transaction timeout either. */
export const IDEMPOTENT_ONLY = { transactionalId: null, transactionTimeoutMs: 2 ** 31 - 1, bump: false } as const;

export interface ProducerIdRequest {
  readonly transactionalId: string | null;
  readonly transactionTimeoutMs: number;
  /** Send the current id and epoch, for a higher epoch of the same id (KIP-360). */
  readonly bump: boolean;
}

/** Sends InitProducerId on `connection`; an answer without error becomes the producer's identity. */
export async function loadProducerId(connection: Connection, identity: ProducerIdentity, request: ProducerIdRequest): Promise<InitProducerIdResponseData> {
  const response = await connection.request('InitProducerId', {
    transactionalId: request.transactionalId,
    transactionTimeoutMs: request.transactionTimeoutMs,
    producerId: request.bump ? identity.producerId : -1n,
    producerEpoch: request.bump ? identity.epoch : -1,
  });
  if (response.errorCode === ErrorCode.NONE) identity.set(response.producerId, response.producerEpoch);
  return response;
}
