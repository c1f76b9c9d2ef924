// A broker metrics reporter that receives client telemetry (KIP-714) and records every push it is
// handed, one line each, in the file named by the broker property telemetry.recorder.file:
//   <client instance id> <terminating> <content type> <payload, base64>
// The payload is the OTLP MetricsData as the broker passes it on (decompressed); the test decodes
// it. Implementing ClientTelemetry is what makes the broker serve GetTelemetrySubscriptions and
// PushTelemetry at all.

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.telemetry.ClientTelemetry;
import org.apache.kafka.server.telemetry.ClientTelemetryPayload;
import org.apache.kafka.server.telemetry.ClientTelemetryReceiver;

// ClientTelemetry is deprecated in Kafka 4.x in favour of ClientTelemetryExporterProvider but still
// served; it is the interface every broker since 3.7 knows.
@SuppressWarnings("removal")
public class TelemetryRecorder implements MetricsReporter, ClientTelemetry {
    private OutputStream out;

    @Override
    public synchronized void configure(Map<String, ?> configs) {
        Object path = configs.get("telemetry.recorder.file");
        if (path == null) throw new IllegalArgumentException("telemetry.recorder.file is not set");
        try {
            out = new FileOutputStream(path.toString(), true);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open " + path, e);
        }
    }

    @Override
    public ClientTelemetryReceiver clientReceiver() {
        return this::record;
    }

    private synchronized void record(AuthorizableRequestContext context, ClientTelemetryPayload payload) {
        ByteBuffer data = payload.data().duplicate();
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        String line = payload.clientInstanceId() + " " + payload.isTerminating() + " " + payload.contentType() + " "
            + Base64.getEncoder().encodeToString(bytes) + "\n";
        try {
            out.write(line.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException("cannot record a telemetry push", e);
        }
    }

    @Override
    public void init(List<KafkaMetric> metrics) {}

    @Override
    public void metricChange(KafkaMetric metric) {}

    @Override
    public void metricRemoval(KafkaMetric metric) {}

    @Override
    public synchronized void close() {
        try {
            if (out != null) out.close();
        } catch (IOException e) {
            // Closing at shutdown: nothing left to record.
        }
    }
}
