// Starts a real Kafka cluster for trying things by hand, and stops it on Ctrl-C:
//   npm run build -- --with-tests && node .build/test/kafka/main.js [--version 4.4.0] [--nodes 3] [--sasl-ssl]
// It prints the bootstrap servers to pass as KAFKA_BROKERS or --bootstrap-servers, and with
// --sasl-ssl the SASL_SSL listener's servers, user, password and CA file.
import { parseArgs } from 'node:util';
import { RealKafkaCluster } from './real-cluster.js';

const { values } = parseArgs({
  options: { version: { type: 'string', default: '4.4.0' }, nodes: { type: 'string', default: '3' }, 'sasl-ssl': { type: 'boolean', default: false } },
});
const cluster = new RealKafkaCluster({ version: values.version, nodes: Number(values.nodes), saslSsl: values['sasl-ssl'] });
const stop = async () => {
  await cluster.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
try {
  await cluster.start();
} catch (error) {
  console.error(String(error));
  await cluster.stop();
  process.exit(1);
}
console.log(`Apache Kafka ${values.version}, ${values.nodes} node(s) on 127.0.0.1: ${cluster.bootstrapServers} (PLAINTEXT)`);
if (values['sasl-ssl']) {
  const { username, password, caPath } = cluster.saslSsl;
  console.log(`SASL_SSL listener: ${cluster.saslSslBootstrapServers}`);
  console.log(`  SCRAM-SHA-512 or PLAIN, user ${username}, password ${password}; CA certificate ${caPath}`);
}
console.log('Ctrl-C stops the cluster and removes its storage.');
