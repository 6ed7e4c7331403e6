package io.raftwal.node.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.MetricRegistryListener;
import com.codahale.metrics.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.dropwizard3.Dm3RatisMetricRegistryImpl;

/**
 * Mirrors every Ratis metric registry (plain Dropwizard registries, from ratis-metrics-dropwizard3)
 * into one Dropwizard registry, following metrics Ratis adds or removes later (a new leader's
 * per-follower gauges), so one Prometheus exporter serves them all.
 */
final class RatisMetricsBridge {
  private final MetricRegistry combined = new MetricRegistry();
  private final Map<MetricRegistry, MetricRegistryListener> listeners = new ConcurrentHashMap<>();
  private final Consumer<RatisMetricRegistry> onAdd = this::attach;
  private final Consumer<RatisMetricRegistry> onRemove = this::detach;

  RatisMetricsBridge() {
    MetricRegistries.global().addReporterRegistration(onAdd, onRemove);
    MetricRegistries.global().getMetricRegistries().forEach(this::attach);
  }

  MetricRegistry registry() {
    return combined;
  }

  /** Ratis's per-follower match index gauges ({@code ..follower_<id>_match_index}), by follower id. */
  Map<String, Long> followerMatchIndices() {
    Map<String, Long> out = new java.util.TreeMap<>();
    combined.getGauges((name, m) -> name.endsWith("_match_index") && name.contains("follower_")).forEach((name, g) -> {
      String tail = name.substring(name.lastIndexOf("follower_") + "follower_".length());
      String id = tail.substring(0, tail.length() - "_match_index".length());
      Object v = g.getValue();
      if (v instanceof Number n) {
        out.merge(id, n.longValue(), Math::max);
      }
    });
    return out;
  }

  private void attach(RatisMetricRegistry r) {
    if (!(r instanceof Dm3RatisMetricRegistryImpl dm)) {
      return;
    }
    MetricRegistry source = dm.getDropWizardMetricRegistry();
    listeners.computeIfAbsent(source, s -> {
      MetricRegistryListener l = new Mirror();
      s.addListener(l); // replays the metrics already there
      return l;
    });
  }

  private void detach(RatisMetricRegistry r) {
    if (r instanceof Dm3RatisMetricRegistryImpl dm) {
      MetricRegistry source = dm.getDropWizardMetricRegistry();
      MetricRegistryListener l = listeners.remove(source);
      if (l != null) {
        source.removeListener(l);
        source.getNames().forEach(combined::remove);
      }
    }
  }

  void close() {
    MetricRegistries.global().removeReporterRegistration(onAdd, onRemove);
  }

  private final class Mirror implements MetricRegistryListener {
    private void put(String name, com.codahale.metrics.Metric m) {
      combined.remove(name);
      combined.register(name, m);
    }

    @Override
    public void onGaugeAdded(String name, Gauge<?> gauge) {
      put(name, gauge);
    }

    @Override
    public void onGaugeRemoved(String name) {
      combined.remove(name);
    }

    @Override
    public void onCounterAdded(String name, Counter counter) {
      put(name, counter);
    }

    @Override
    public void onCounterRemoved(String name) {
      combined.remove(name);
    }

    @Override
    public void onHistogramAdded(String name, Histogram histogram) {
      put(name, histogram);
    }

    @Override
    public void onHistogramRemoved(String name) {
      combined.remove(name);
    }

    @Override
    public void onMeterAdded(String name, Meter meter) {
      put(name, meter);
    }

    @Override
    public void onMeterRemoved(String name) {
      combined.remove(name);
    }

    @Override
    public void onTimerAdded(String name, Timer timer) {
      put(name, timer);
    }

    @Override
    public void onTimerRemoved(String name) {
      combined.remove(name);
    }
  }
}
