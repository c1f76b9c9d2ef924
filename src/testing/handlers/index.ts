// Every served API's handler, by API name (the SASL APIs are served when the cluster requires SASL).
import { handleApiVersions } from './api-versions.js';
import { handleCreateTopics } from './create-topics.js';
import { handleFetch } from './fetch.js';
import { handleFindCoordinator } from './find-coordinator.js';
import { handleHeartbeat, handleJoinGroup, handleLeaveGroup, handleOffsetCommit, handleOffsetFetch, handleSyncGroup } from './groups.js';
import type { HandlerTable } from './handler.js';
import { handleListOffsets } from './list-offsets.js';
import { handleMetadata } from './metadata.js';
import { handleProduce } from './produce.js';
import { handleSaslAuthenticate, handleSaslHandshake } from './sasl.js';
import { handleGetTelemetrySubscriptions, handlePushTelemetry } from './telemetry.js';
import {
  handleAddOffsetsToTxn,
  handleAddPartitionsToTxn,
  handleEndTxn,
  handleInitProducerId,
  handleTxnOffsetCommit,
} from './transactions.js';

/** The handlers of the served APIs. */
export const handlers: HandlerTable = {
  ApiVersions: handleApiVersions,
  Metadata: handleMetadata,
  Produce: handleProduce,
  Fetch: handleFetch,
  ListOffsets: handleListOffsets,
  CreateTopics: handleCreateTopics,
  FindCoordinator: handleFindCoordinator,
  InitProducerId: handleInitProducerId,
  AddPartitionsToTxn: handleAddPartitionsToTxn,
  AddOffsetsToTxn: handleAddOffsetsToTxn,
  EndTxn: handleEndTxn,
  TxnOffsetCommit: handleTxnOffsetCommit,
  JoinGroup: handleJoinGroup,
  SyncGroup: handleSyncGroup,
  Heartbeat: handleHeartbeat,
  LeaveGroup: handleLeaveGroup,
  OffsetCommit: handleOffsetCommit,
  OffsetFetch: handleOffsetFetch,
  SaslHandshake: handleSaslHandshake,
  SaslAuthenticate: handleSaslAuthenticate,
  GetTelemetrySubscriptions: handleGetTelemetrySubscriptions,
  PushTelemetry: handlePushTelemetry,
};
