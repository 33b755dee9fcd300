package souk.flume;

import com.google.gson.Gson;
import java.io.IOException;
import java.util.Map;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.flume.Context;
import org.apache.flume.instrumentation.MonitorService;
import org.apache.flume.instrumentation.util.JMXPollUtil;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.AbstractHandler;

/** Flume's HTTP JSON metrics (same /metrics body as HTTPMetricsServer) on a chosen address:
 *  -Dflume.monitoring.type=souk.flume.LoopbackHTTPMetricsServer -Dflume.monitoring.port=P -Dflume.monitoring.bind=127.0.0.1 */
public class LoopbackHTTPMetricsServer implements MonitorService {
  private Server server;
  private int port;
  private String bind;

  @Override
  public void configure(Context context) {
    port = context.getInteger("port", 41414);
    bind = context.getString("bind", "127.0.0.1");
  }

  @Override
  public void start() {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(bind);
    connector.setPort(port);
    connector.setReuseAddress(true);
    server.addConnector(connector);
    server.setHandler(new AbstractHandler() {
      private final Gson gson = new Gson();

      @Override
      public void handle(String target, Request base, HttpServletRequest request, HttpServletResponse response) throws IOException {
        base.setHandled(true);
        if (!"GET".equalsIgnoreCase(request.getMethod()) || !"/metrics".equalsIgnoreCase(target)) {
          response.sendError(HttpServletResponse.SC_NOT_FOUND);
          return;
        }
        Map<String, Map<String, String>> metrics = JMXPollUtil.getAllMBeans();
        response.setContentType("application/json;charset=utf-8");
        response.setStatus(HttpServletResponse.SC_OK);
        response.getWriter().write(gson.toJson(metrics));
        response.flushBuffer();
      }
    });
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot serve Flume metrics on " + bind + ":" + port, e);
    }
  }

  @Override
  public void stop() {
    try {
      if (server != null) {
        server.stop();
        server.join();
      }
    } catch (Exception e) {
      Thread.currentThread().interrupt();
    }
  }
}
