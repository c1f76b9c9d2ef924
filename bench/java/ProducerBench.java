// The Java producer (org.apache.kafka:kafka-clients) as a benchmark peer: the same records as the
// Node clients (1,024 keys "key-000…", a value of 'v's), acks=all, idempotence on, linger.ms=5.
//
// Throughput: one send() per record with a callback, then flush(). Arguments:
//   <bootstrap> <topic> <records> <valueSize> <keySize> <compression> <batchSize> <warmupRecords> [topics]
// With warmupRecords > 0 the same producer first sends that many records to the same topics,
// unmeasured, as a long-running service would have (JIT compiled, buffers and connections made).
// With topics > 1, record i goes to topic <topic>-t<i mod topics> (the number zero-padded to the
// width of topics - 1, as bench/workloads.ts names them). Prints one JSON line: elapsed time, CPU µs
// per record (every thread of the JVM: JIT and GC included), peak RSS of the process and its RSS
// just before the producer was constructed.
//
// Open-loop latency (O): one send() per record on a fixed timetable, every option but acks,
// idempotence and linger.ms at its default. Arguments:
//   latency <bootstrap> <topic> <ratePerSecond> <seconds> <warmupRecords> <maxRecords> <settleWaitMs> <valueSize> <keySize>
// Record i is due at start + i / rate; the sending thread parks until the next record is due and
// then sends every record that is due. A record's latency runs from its due time to its callback,
// so a sender that falls behind is charged for it. Prints one JSON line with the fields of
// bench/timed.ts's LatencyResult.
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class ProducerBench {
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("latency")) {
      latency(args);
      return;
    }
    if (args.length != 8 && args.length != 9) {
      System.err.println("usage: ProducerBench <bootstrap> <topic> <records> <valueSize> <keySize> <compression> <batchSize> <warmupRecords> [topics]\n"
          + "       ProducerBench latency <bootstrap> <topic> <ratePerSecond> <seconds> <warmupRecords> <maxRecords> <settleWaitMs> <valueSize> <keySize>");
      System.exit(2);
    }
    String bootstrap = args[0];
    String[] topics = topicNames(args[1], args.length == 9 ? Integer.parseInt(args[8]) : 1);
    int records = Integer.parseInt(args[2]);
    int valueSize = Integer.parseInt(args[3]);
    int keySize = Integer.parseInt(args[4]);
    String compression = args[5];
    int batchSize = Integer.parseInt(args[6]);
    int warmupRecords = Integer.parseInt(args[7]);

    byte[][] keys = keys(keySize);
    byte[] value = value(valueSize);

    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    long started = System.nanoTime();

    Properties properties = baseProperties(bootstrap);
    properties.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(batchSize));
    properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);

    AtomicLong failed = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    double rssBeforeProducerMb = procStatusMb("VmRSS:");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer())) {
      if (warmupRecords > 0) {
        send(producer, topics, keys, value, warmupRecords, failed, firstError);
        producer.flush();
        cpuBefore = os.getProcessCpuTime();
        started = System.nanoTime();
      }
      send(producer, topics, keys, value, records, failed, firstError);
      producer.flush();
    }
    double elapsedMs = (System.nanoTime() - started) / 1e6;
    double cpuMicros = (os.getProcessCpuTime() - cpuBefore) / 1e3;
    if (failed.get() > 0) {
      System.err.println(failed.get() + " records failed, the first: " + firstError.get());
      System.exit(1);
    }
    System.out.println(String.format(Locale.ROOT,
        "{\"records\":%d,\"elapsedMs\":%.3f,\"cpuMicrosPerRecord\":%.4f,\"peakRssMb\":%.1f,\"rssBeforeClientMb\":%.1f}",
        records, elapsedMs, cpuMicros / records, procStatusMb("VmHWM:"), rssBeforeProducerMb));
  }

  private static Properties baseProperties(String bootstrap) {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(ProducerConfig.CLIENT_ID_CONFIG, "bench");
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    // Client telemetry would add requests the other clients do not make.
    properties.put("enable.metrics.push", "false");
    return properties;
  }

  private static String[] topicNames(String base, int count) {
    if (count == 1) return new String[] {base};
    int digits = String.valueOf(count - 1).length();
    String[] names = new String[count];
    for (int index = 0; index < count; index++) names[index] = base + "-t" + String.format(Locale.ROOT, "%0" + digits + "d", index);
    return names;
  }

  private static byte[][] keys(int keySize) {
    byte[][] keys = new byte[1024][];
    for (int index = 0; index < keys.length; index++) {
      String number = String.format(Locale.ROOT, "%0" + (keySize - 4) + "d", index);
      keys[index] = ("key-" + number).getBytes(StandardCharsets.UTF_8);
    }
    return keys;
  }

  private static byte[] value(int valueSize) {
    byte[] value = new byte[valueSize];
    Arrays.fill(value, (byte) 'v');
    return value;
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String[] topics, byte[][] keys, byte[] value, int count,
      AtomicLong failed, AtomicReference<String> firstError) {
    for (int index = 0; index < count; index++) {
      producer.send(new ProducerRecord<>(topics[index % topics.length], keys[index & 1023], value), (metadata, error) -> {
        if (error != null) {
          failed.incrementAndGet();
          firstError.compareAndSet(null, error.toString());
        }
      });
    }
  }

  /** The state of one pass over the timetable; callbacks write it from the producer's I/O thread. */
  private static final class Timetable {
    static final long UNSET = Long.MIN_VALUE;
    final int count;
    final AtomicLongArray latencies;
    final long[] lateness;
    final CountDownLatch settled;
    final AtomicLong errors = new AtomicLong();
    final AtomicReference<String> firstError = new AtomicReference<>();
    final AtomicLong lastAck = new AtomicLong(UNSET);
    long start;
    int unsettled;

    Timetable(int count) {
      this.count = count;
      this.latencies = new AtomicLongArray(count);
      for (int index = 0; index < count; index++) latencies.set(index, UNSET);
      this.lateness = new long[count];
      this.settled = new CountDownLatch(count);
    }
  }

  private static void latency(String[] args) throws Exception {
    if (args.length != 10) {
      System.err.println("usage: ProducerBench latency <bootstrap> <topic> <ratePerSecond> <seconds> <warmupRecords> <maxRecords> <settleWaitMs> <valueSize> <keySize>");
      System.exit(2);
    }
    String bootstrap = args[1];
    String topic = args[2];
    double rate = Double.parseDouble(args[3]);
    double seconds = Double.parseDouble(args[4]);
    int warmupRecords = Integer.parseInt(args[5]);
    int maxRecords = Integer.parseInt(args[6]);
    long settleWaitMs = Long.parseLong(args[7]);
    byte[][] keys = keys(Integer.parseInt(args[9]));
    byte[] value = value(Integer.parseInt(args[8]));
    double intervalNanos = 1e9 / rate;
    int count = (int) Math.min(maxRecords, Math.round(seconds * rate));

    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(baseProperties(bootstrap), new ByteArraySerializer(), new ByteArraySerializer());
    runTimetable(producer, topic, keys, value, new Timetable(warmupRecords), intervalNanos, settleWaitMs);
    Timetable run = runTimetable(producer, topic, keys, value, new Timetable(count), intervalNanos, settleWaitMs);
    // A producer still holding records would keep a graceful close waiting for them.
    producer.close(run.unsettled == 0 ? Duration.ofSeconds(30) : Duration.ZERO);

    long[] latencies = new long[count];
    for (int index = 0; index < count; index++) latencies[index] = run.latencies.get(index);
    Arrays.sort(latencies);
    long[] lateness = run.lateness.clone();
    Arrays.sort(lateness);
    long acknowledged = count - run.errors.get() - run.unsettled;
    long lastAck = run.lastAck.get();
    double spanNanos = lastAck == Timetable.UNSET ? 0 : lastAck - run.start;
    double achieved = acknowledged > 0 && spanNanos > 0 ? acknowledged / (spanNanos / 1e9) : 0;
    String error = run.firstError.get();
    System.out.println(String.format(Locale.ROOT,
        "{\"records\":%d,\"ratePerSecond\":%s,\"lingerMs\":5,\"errors\":%d,\"unsettled\":%d,\"p50Ms\":%.4f,\"p99Ms\":%.4f,\"p999Ms\":%.4f,"
            + "\"maxMs\":%.4f,\"achievedPerSecond\":%.1f,\"lateP50Ms\":%.4f,\"lateP99Ms\":%.4f,\"firstError\":%s,\"warmupRecords\":%d,\"peakRssMb\":%.1f}",
        count, Double.toString(rate), run.errors.get(), run.unsettled, millis(percentile(latencies, 0.5)), millis(percentile(latencies, 0.99)),
        millis(percentile(latencies, 0.999)), millis(count == 0 ? 0 : latencies[count - 1]), achieved, millis(percentile(lateness, 0.5)),
        millis(percentile(lateness, 0.99)), error == null ? "null" : jsonString(error), warmupRecords, procStatusMb("VmHWM:")));
    System.exit(0);
  }

  private static Timetable runTimetable(KafkaProducer<byte[], byte[]> producer, String topic, byte[][] keys, byte[] value, Timetable table,
      double intervalNanos, long settleWaitMs) throws InterruptedException {
    long start = System.nanoTime() + (long) intervalNanos;
    table.start = start;
    int next = 0;
    while (next < table.count) {
      long now = System.nanoTime();
      for (; next < table.count && start + (long) (next * intervalNanos) <= now; next++) {
        final int index = next;
        final long due = start + (long) (index * intervalNanos);
        table.lateness[index] = System.nanoTime() - due;
        producer.send(new ProducerRecord<>(topic, keys[index & 1023], value), (metadata, error) -> {
          long at = System.nanoTime();
          if (error != null) {
            table.errors.incrementAndGet();
            table.firstError.compareAndSet(null, error.toString());
          } else {
            table.lastAck.accumulateAndGet(at, Math::max);
          }
          table.latencies.compareAndSet(index, Timetable.UNSET, at - due);
          table.settled.countDown();
        });
      }
      if (next < table.count) {
        long wait = start + (long) (next * intervalNanos) - System.nanoTime();
        if (wait > 0) LockSupport.parkNanos(wait);
      }
    }
    table.settled.await(settleWaitMs, TimeUnit.MILLISECONDS);
    long end = System.nanoTime();
    for (int index = 0; index < table.count; index++) {
      // Still unset: not acknowledged within the wait; its time so far counts.
      if (table.latencies.compareAndSet(index, Timetable.UNSET, end - (start + (long) (index * intervalNanos)))) table.unsettled++;
    }
    return table;
  }

  /** The value at quantile q of sorted values (nearest rank), as bench/timed.ts takes it. */
  private static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) return 0;
    int rank = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }

  private static String jsonString(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }

  // VmHWM: the most resident memory the process had, as Node's resourceUsage().maxRSS reports;
  // VmRSS: what it has now.
  private static double procStatusMb(String field) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(field)) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
    }
    return -1;
  }
}
