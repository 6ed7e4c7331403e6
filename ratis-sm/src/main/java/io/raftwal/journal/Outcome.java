package io.raftwal.journal;

/** How the action an event records ended. */
public enum Outcome { ALLOWED, REFUSED, FAILED }
