//! `GET /metrics`: Prometheus counters and a latency histogram, in the text format.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChannelLabel {
    pub channel: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureLabel {
    pub channel: String,
    /// `retry`, `outside_window`, `template_params`, `bad_token`, `other`.
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IntentLabel {
    pub intent: String,
}

type Latency = Family<ChannelLabel, Histogram, fn() -> Histogram>;

/// Every metric the server keeps.
pub struct Metrics {
    registry: Registry,
    pub messages_in: Family<ChannelLabel, Counter>,
    pub messages_out: Family<ChannelLabel, Counter>,
    pub duplicates: Family<ChannelLabel, Counter>,
    pub handoffs: Counter,
    pub fallbacks: Counter,
    pub intent_hits: Family<IntentLabel, Counter>,
    pub send_failures: Family<FailureLabel, Counter>,
    /// Free-form replies not sent because the 24-hour window had closed.
    pub outside_window: Counter,
    pub statuses: Family<ChannelLabel, Counter>,
    pub latency: Latency,
    pub outbox_pending: Gauge,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms .. about 1 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 13))
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("charla");
        let metrics = Metrics {
            messages_in: Family::default(),
            messages_out: Family::default(),
            duplicates: Family::default(),
            handoffs: Counter::default(),
            fallbacks: Counter::default(),
            intent_hits: Family::default(),
            send_failures: Family::default(),
            outside_window: Counter::default(),
            statuses: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            outbox_pending: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register(
            "messages_in",
            "Messages received from contacts",
            metrics.messages_in.clone(),
        );
        registry.register(
            "messages_out",
            "Messages accepted by the channel (sent)",
            metrics.messages_out.clone(),
        );
        registry.register(
            "duplicate_webhooks",
            "Inbound messages delivered again and not processed twice",
            metrics.duplicates.clone(),
        );
        registry.register(
            "handoffs",
            "Conversations handed to a person",
            metrics.handoffs.clone(),
        );
        registry.register(
            "fallbacks",
            "Messages the bot did not understand",
            metrics.fallbacks.clone(),
        );
        registry.register(
            "intent_hits",
            "Intents started",
            metrics.intent_hits.clone(),
        );
        registry.register(
            "send_failures",
            "Sends the channel refused",
            metrics.send_failures.clone(),
        );
        registry.register(
            "outside_window",
            "Free-form replies not sent because the 24-hour window was closed",
            metrics.outside_window.clone(),
        );
        registry.register(
            "statuses",
            "Delivery statuses recorded",
            metrics.statuses.clone(),
        );
        registry.register(
            "webhook_seconds",
            "Time to answer a webhook",
            metrics.latency.clone(),
        );
        registry.register(
            "outbox_pending",
            "Replies waiting in the outbox",
            metrics.outbox_pending.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    pub fn channel(channel: &str) -> ChannelLabel {
        ChannelLabel {
            channel: channel.to_string(),
        }
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}
