// The partition the Java producer picks for each key read from stdin, computed by kafka-clients'
// own code: BuiltInPartitioner.partitionForKey (toPositive(murmur2(key)) % partitions), which
// KafkaProducer uses for every record with a key and no partition.
//
//   java -cp <kafka-clients jars>:<classes> PartitionOf 1 3 6 ...   < keys
//
// Each input line is one key: 's' then the text (serialized as Java's StringSerializer does,
// UTF-8), or 'b' then the bytes in hex ('b' alone is the empty key). Each output line is
// murmur2(key) as a signed int, then the partition for each partition count of the arguments.
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

public final class PartitionOf {
    public static void main(String[] args) throws IOException {
        int[] counts = new int[args.length];
        for (int index = 0; index < args.length; index++) counts[index] = Integer.parseInt(args[index]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        try (StringSerializer strings = new StringSerializer()) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                byte[] key = switch (line.charAt(0)) {
                    case 's' -> strings.serialize("keys", line.substring(1));
                    case 'b' -> fromHex(line.substring(1));
                    default -> throw new IllegalArgumentException("a key line starts with 's' or 'b': " + line);
                };
                StringBuilder row = new StringBuilder().append(Utils.murmur2(key));
                for (int count : counts) row.append(' ').append(BuiltInPartitioner.partitionForKey(key, count));
                out.write(row.append('\n').toString());
            }
        }
        out.flush();
    }

    private static byte[] fromHex(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        for (int index = 0; index < bytes.length; index++) {
            bytes[index] = (byte) Integer.parseInt(hex.substring(2 * index, 2 * index + 2), 16);
        }
        return bytes;
    }
}
