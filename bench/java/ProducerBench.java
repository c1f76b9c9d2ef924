// The Java producer (org.apache.kafka:kafka-clients) as a benchmark peer: the same records as the
// Node clients (1,024 keys "key-000…", a value of 'v's), acks=all, idempotence on, linger.ms=5,
// one send() per record with a callback, then flush(). Arguments:
//   <bootstrap> <topic> <records> <valueSize> <keySize> <compression> <batchSize> <warmupRecords>
// With warmupRecords > 0 the same producer first sends that many records to the same topic,
// unmeasured, as a long-running service would have (JIT compiled, buffers and connections made).
// Prints one JSON line: elapsed time, CPU µs per record (every thread of the JVM: JIT and GC
// included) and peak RSS of the process.
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class ProducerBench {
  public static void main(String[] args) throws Exception {
    if (args.length != 8) {
      System.err.println("usage: ProducerBench <bootstrap> <topic> <records> <valueSize> <keySize> <compression> <batchSize> <warmupRecords>");
      System.exit(2);
    }
    String bootstrap = args[0];
    String topic = args[1];
    int records = Integer.parseInt(args[2]);
    int valueSize = Integer.parseInt(args[3]);
    int keySize = Integer.parseInt(args[4]);
    String compression = args[5];
    int batchSize = Integer.parseInt(args[6]);
    int warmupRecords = Integer.parseInt(args[7]);

    byte[][] keys = new byte[1024][];
    for (int index = 0; index < keys.length; index++) {
      String number = String.format("%0" + (keySize - 4) + "d", index);
      keys[index] = ("key-" + number).getBytes(StandardCharsets.UTF_8);
    }
    byte[] value = new byte[valueSize];
    Arrays.fill(value, (byte) 'v');

    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    long started = System.nanoTime();

    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(ProducerConfig.CLIENT_ID_CONFIG, "bench");
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    properties.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(batchSize));
    properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    // Client telemetry would add requests the other clients do not make.
    properties.put("enable.metrics.push", "false");

    AtomicLong failed = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer())) {
      if (warmupRecords > 0) {
        send(producer, topic, keys, value, warmupRecords, failed, firstError);
        producer.flush();
        cpuBefore = os.getProcessCpuTime();
        started = System.nanoTime();
      }
      send(producer, topic, keys, value, records, failed, firstError);
      producer.flush();
    }
    double elapsedMs = (System.nanoTime() - started) / 1e6;
    double cpuMicros = (os.getProcessCpuTime() - cpuBefore) / 1e3;
    if (failed.get() > 0) {
      System.err.println(failed.get() + " records failed, the first: " + firstError.get());
      System.exit(1);
    }
    System.out.println(String.format(java.util.Locale.ROOT,
        "{\"records\":%d,\"elapsedMs\":%.3f,\"cpuMicrosPerRecord\":%.4f,\"peakRssMb\":%.1f}",
        records, elapsedMs, cpuMicros / records, peakRssMb()));
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, byte[][] keys, byte[] value, int count,
      AtomicLong failed, AtomicReference<String> firstError) {
    for (int index = 0; index < count; index++) {
      producer.send(new ProducerRecord<>(topic, keys[index & 1023], value), (metadata, error) -> {
        if (error != null) {
          failed.incrementAndGet();
          firstError.compareAndSet(null, error.toString());
        }
      });
    }
  }

  // VmHWM: the most resident memory the process had, as Node's resourceUsage().maxRSS reports.
  private static double peakRssMb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
    }
    return -1;
  }
}
