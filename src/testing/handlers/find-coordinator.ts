// FindCoordinator: the broker coordinating a group (key type 0) or a transactional id (key type 1),
// one key in versions 0-3, a batch of keys from version 4. Coordinator requests sent to another
// broker get NOT_COORDINATOR (see isCoordinator).
import type { FindCoordinatorResponseCoordinator } from '../../protocol/index.js';
import { ErrorCode } from '../error-codes.js';
import type { Handler, RequestContext } from './handler.js';

/** Whether the broker handling `context` coordinates `key`. */
export function isCoordinator(context: RequestContext, key: string): boolean {
  return context.runtime.coordinatorFor(key) === context.brokerId;
}

/** Answers FindCoordinator. */
export const handleFindCoordinator: Handler<'FindCoordinator'> = (context, request) => {
  const keyType = request.keyType ?? 0;
  const find = (key: string): FindCoordinatorResponseCoordinator => {
    if (keyType !== 0 && keyType !== 1) {
      return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown key type ${keyType}` };
    }
    const broker = context.runtime.topology.brokers.get(context.runtime.coordinatorFor(key));
    if (!broker) return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null };
    return { key, nodeId: broker.id, host: broker.host, port: broker.port, errorCode: ErrorCode.NONE, errorMessage: null };
  };
  if (context.version >= 4) {
    return { response: { throttleTimeMs: 0, coordinators: (request.coordinatorKeys ?? []).map(find) } };
  }
  const found = find(request.key ?? '');
  return {
    response: {
      throttleTimeMs: 0,
      errorCode: found.errorCode,
      errorMessage: found.errorMessage,
      nodeId: found.nodeId,
      host: found.host,
      port: found.port,
    },
  };
};
