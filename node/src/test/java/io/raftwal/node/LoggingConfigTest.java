package io.raftwal.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The logging the node and CLI processes ship with (their simplelogger.properties, read by slf4j-simple). */
class LoggingConfigTest {

  @Test
  void ratisClientRetriesAreNotLoggedAsErrorsButServerWarningsAndOurEventsAre() {
    // Every write a switchover refuses would otherwise print an ERROR with a stack trace.
    assertFalse(LoggerFactory.getLogger("org.apache.ratis.client.impl.OrderedAsync").isErrorEnabled());
    assertTrue(LoggerFactory.getLogger("org.apache.ratis.client.impl.RaftClientImpl").isWarnEnabled());
    assertTrue(LoggerFactory.getLogger("org.apache.ratis.server.impl.RaftServerImpl").isWarnEnabled());
    assertFalse(LoggerFactory.getLogger("org.apache.ratis.server.impl.RaftServerImpl").isInfoEnabled());
    assertTrue(LoggerFactory.getLogger("io.raftwal.switchover.SwitchoverService").isInfoEnabled());
  }

  @Test
  void ratisMetricsStartupWarningIsOffBecauseTheBridgeAttachesExistingRegistries() {
    assertFalse(LoggerFactory.getLogger("org.apache.ratis.metrics.dropwizard3.Dm3MetricRegistriesImpl").isWarnEnabled());
  }
}
