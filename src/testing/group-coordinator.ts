// A minimal classic consumer-group coordinator: one generation per join round (the first member to
// join leads and gets every member's metadata), assignments handed out at SyncGroup, heartbeats and
// session expiry, leaving, and committed offsets. Requests of a round are parked until it completes.
import { ErrorCode } from './error-codes.js';
import type { ResolvedOptions } from './options.js';

/** One committed (or pending, inside a transaction) offset. */
export interface PendingOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
}

/** A protocol a member supports, with its metadata. */
export interface MemberProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

/** The answer to one JoinGroup. */
export interface JoinResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leader: string;
  readonly memberId: string;
  readonly members: readonly { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

/** The answer to one SyncGroup. */
export interface SyncResult {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

/** A JoinGroup request, version-independent. */
export interface JoinRequest {
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly protocolType: string;
  readonly protocols: readonly MemberProtocol[];
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  /** JoinGroup v4+: a member without an id is first given one with MEMBER_ID_REQUIRED. */
  readonly requireKnownMemberId: boolean;
}

type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

interface Member {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  protocols: readonly MemberProtocol[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  lastHeartbeat: number;
  assignment: Buffer;
  pendingJoin: ((result: JoinResult) => void) | undefined;
  pendingSync: ((result: SyncResult) => void) | undefined;
}

interface Group {
  readonly groupId: string;
  state: GroupState;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  readonly members: Map<string, Member>;
  readonly pendingMemberIds: Set<string>;
  readonly offsets: Map<string, PendingOffset>;
  timer: NodeJS.Timeout | undefined;
  /** The round started from Empty: it lasts the whole initial delay, so that more members can join. */
  initialRound: boolean;
}

const EMPTY = Buffer.alloc(0);
const SESSION_CHECK_INTERVAL_MS = 100;

/** The cluster's group coordinator. */
export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private nextMemberNumber = 1;
  private sessionTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ResolvedOptions) {}

  /** JoinGroup: resolves when the join round completes (or at once with an error). */
  join(request: JoinRequest): Promise<JoinResult> {
    if (request.groupId === '') return Promise.resolve(joinError(ErrorCode.INVALID_GROUP_ID, request.memberId));
    const group = this.group(request.groupId);
    if (group.members.size > 0 && !compatible(group, request)) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, request.memberId));
    }
    let memberId = request.memberId;
    if (memberId === '') {
      memberId = `${request.clientId || 'member'}-${this.nextMemberNumber++}`;
      if (request.requireKnownMemberId) {
        group.pendingMemberIds.add(memberId);
        return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
      }
    } else if (!group.members.has(memberId) && !group.pendingMemberIds.has(memberId)) {
      return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    }
    group.pendingMemberIds.delete(memberId);
    const existing = group.members.get(memberId);
    existing?.pendingJoin?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, memberId));
    const member: Member = existing ?? {
      memberId,
      groupInstanceId: request.groupInstanceId,
      protocols: request.protocols,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      lastHeartbeat: Date.now(),
      assignment: EMPTY,
      pendingJoin: undefined,
      pendingSync: undefined,
    };
    member.protocols = request.protocols;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs > 0 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs;
    member.lastHeartbeat = Date.now();
    group.members.set(memberId, member);
    group.protocolType = request.protocolType;
    this.ensureSessionTimer();
    const result = new Promise<JoinResult>((resolve) => {
      member.pendingJoin = resolve;
    });
    if (group.state !== 'PreparingRebalance') this.prepareRebalance(group);
    else this.maybeCompleteJoin(group);
    return result;
  }

  /** SyncGroup: the leader's assignments are handed to every member of the generation. */
  sync(groupId: string, memberId: string, generationId: number, assignments: readonly { memberId: string; assignment: Buffer }[]): Promise<SyncResult> {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (generationId !== group.generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    member.lastHeartbeat = Date.now();
    if (group.state === 'PreparingRebalance') return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    if (group.state === 'Stable') return Promise.resolve(this.syncAnswer(group, member));
    if (group.state !== 'CompletingRebalance') return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    const result = new Promise<SyncResult>((resolve) => {
      member.pendingSync = resolve;
    });
    if (memberId === group.leaderId) {
      const byMember = new Map(assignments.map((entry) => [entry.memberId, entry.assignment]));
      group.state = 'Stable';
      for (const each of group.members.values()) {
        each.assignment = byMember.get(each.memberId) ?? EMPTY;
        const pending = each.pendingSync;
        each.pendingSync = undefined;
        pending?.(this.syncAnswer(group, each));
      }
    }
    return result;
  }

  /** Heartbeat: keeps the member's session; tells it when a rebalance is under way. */
  heartbeat(groupId: string, memberId: string, generationId: number): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    member.lastHeartbeat = Date.now();
    if (group.state === 'PreparingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }

  /** LeaveGroup of one member; returns its error code. */
  leave(groupId: string, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMember(group, member);
    return ErrorCode.NONE;
  }

  /** Checks a member's generation for offset commits; generation < 0 is a commit from outside the group. */
  validateGeneration(groupId: string, memberId: string, generationId: number): number {
    if (generationId < 0 && memberId === '') {
      const group = this.groups.get(groupId);
      return !group || group.members.size === 0 ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
    }
    const group = this.groups.get(groupId);
    if (!group?.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /** Stores committed offsets (creates the group if needed, as Kafka does for simple commits). */
  commitOffsets(groupId: string, offsets: readonly PendingOffset[]): void {
    const group = this.group(groupId);
    for (const offset of offsets) group.offsets.set(`${offset.topic}\u0000${offset.partition}`, offset);
  }

  /** The committed offset of a partition, if any. */
  committedOffset(groupId: string, topic: string, partition: number): PendingOffset | undefined {
    return this.groups.get(groupId)?.offsets.get(`${topic}\u0000${partition}`);
  }

  /** Every committed offset of a group. */
  committedOffsets(groupId: string): PendingOffset[] {
    return [...(this.groups.get(groupId)?.offsets.values() ?? [])];
  }

  /** Clears every timer and answers parked requests with REBALANCE_IN_PROGRESS. */
  shutdown(): void {
    if (this.sessionTimer) clearInterval(this.sessionTimer);
    this.sessionTimer = undefined;
    for (const group of this.groups.values()) {
      if (group.timer) clearTimeout(group.timer);
      for (const member of group.members.values()) {
        member.pendingJoin?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
        member.pendingSync?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        member.pendingJoin = undefined;
        member.pendingSync = undefined;
      }
    }
  }

  private group(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = {
        groupId,
        state: 'Empty',
        generationId: 0,
        protocolType: null,
        protocolName: null,
        leaderId: null,
        members: new Map(),
        pendingMemberIds: new Set(),
        offsets: new Map(),
        timer: undefined,
        initialRound: false,
      };
      this.groups.set(groupId, group);
    }
    return group;
  }

  // A new group waits group.initial.rebalance.delay.ms for more members; a rebalance of a running
  // group waits for every member to rejoin, at most the longest rebalance timeout.
  private prepareRebalance(group: Group): void {
    for (const member of group.members.values()) {
      member.pendingSync?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      member.pendingSync = undefined;
    }
    const initial = group.state === 'Empty';
    group.initialRound = initial;
    group.state = 'PreparingRebalance';
    if (group.timer) clearTimeout(group.timer);
    const delay = initial
      ? this.options.groupInitialRebalanceDelayMs
      : Math.max(...[...group.members.values()].map((member) => member.rebalanceTimeoutMs));
    group.timer = setTimeout(() => this.completeJoin(group), delay);
    group.timer.unref();
    if (!initial) this.maybeCompleteJoin(group);
  }

  private maybeCompleteJoin(group: Group): void {
    if (group.initialRound) return;
    if ([...group.members.values()].every((member) => member.pendingJoin)) this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    if (group.timer) clearTimeout(group.timer);
    group.timer = undefined;
    group.initialRound = false;
    if (group.state !== 'PreparingRebalance') return;
    for (const member of [...group.members.values()]) {
      if (!member.pendingJoin) group.members.delete(member.memberId);
    }
    group.generationId++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.leaderId = null;
      group.protocolName = null;
      return;
    }
    const members = [...group.members.values()];
    if (!group.leaderId || !group.members.has(group.leaderId)) group.leaderId = members[0]!.memberId;
    const leader = group.members.get(group.leaderId)!;
    group.protocolName =
      leader.protocols.find((protocol) => members.every((member) => member.protocols.some((other) => other.name === protocol.name)))
        ?.name ?? leader.protocols[0]?.name ?? null;
    group.state = 'CompletingRebalance';
    const everyone = members.map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      metadata: member.protocols.find((protocol) => protocol.name === group.protocolName)?.metadata ?? EMPTY,
    }));
    for (const member of members) {
      const pending = member.pendingJoin!;
      member.pendingJoin = undefined;
      member.lastHeartbeat = Date.now();
      pending({
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leader: group.leaderId,
        memberId: member.memberId,
        members: member.memberId === group.leaderId ? everyone : [],
      });
    }
  }

  private removeMember(group: Group, member: Member): void {
    group.members.delete(member.memberId);
    member.pendingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.pendingSync?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.members.size === 0) {
      if (group.timer) clearTimeout(group.timer);
      group.timer = undefined;
      group.state = 'Empty';
      group.generationId++;
      group.leaderId = null;
    } else if (group.state === 'PreparingRebalance') {
      this.maybeCompleteJoin(group);
    } else {
      this.prepareRebalance(group);
    }
  }

  private syncAnswer(group: Group, member: Member): SyncResult {
    return { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
  }

  private ensureSessionTimer(): void {
    if (this.sessionTimer) return;
    this.sessionTimer = setInterval(() => this.expireSessions(), SESSION_CHECK_INTERVAL_MS);
    this.sessionTimer.unref();
  }

  // Members parked in a join round are alive (their JoinGroup is the proof); others must heartbeat.
  private expireSessions(): void {
    const now = Date.now();
    for (const group of this.groups.values()) {
      for (const member of [...group.members.values()]) {
        if (!member.pendingJoin && now - member.lastHeartbeat > member.sessionTimeoutMs) this.removeMember(group, member);
      }
    }
  }
}

function compatible(group: Group, request: JoinRequest): boolean {
  if (group.protocolType !== null && group.protocolType !== request.protocolType) return false;
  const names = new Set(request.protocols.map((protocol) => protocol.name));
  return [...group.members.values()].some((member) => member.protocols.some((protocol) => names.has(protocol.name)));
}

function joinError(errorCode: number, memberId: string): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}
