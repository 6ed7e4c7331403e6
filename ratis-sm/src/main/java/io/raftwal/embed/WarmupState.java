package io.raftwal.embed;

/**
 * Where a node's start-up warm-up of the leader path stands (see
 * {@link RaftWalConfig#leadershipWarmup()}): a switchover to a node whose warm-up is still
 * {@link #RUNNING} competes with it for the CPU, so operators wait for {@link #DONE} after a
 * restart before they switch over to it.
 */
public enum WarmupState {
  /** Turned off in the config. */
  OFF,
  /** Waiting for the peers to answer, then it runs. */
  PENDING,
  RUNNING,
  DONE,
  /** Another node in this JVM warmed it: classes and compiled code are the JVM's. */
  SHARED,
  /** It failed; the node serves, and its first leadership will be slower. */
  FAILED
}
