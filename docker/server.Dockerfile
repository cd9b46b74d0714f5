# The TbBridge service. Build from the repository root:
#   docker build -f docker/server.Dockerfile -t tbbridge/server .
# Stage 1 builds with the SDK; stage 2 runs on the ASP.NET runtime image as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY eng/ eng/
COPY protos/ protos/
COPY src/ src/
RUN dotnet publish src/TbBridge.Server -c Release -o /app/server --nologo \
 && dotnet publish src/TbBridge.Cli -c Release -o /app/cli --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app/server /app/server
COPY --from=build /app/cli /app/cli
# The data directory (event files of every run, the alert store) is a volume the image never owns.
# /state: where a follower run from this image keeps its upload ledgers (TBBRIDGE_STATE_DIR, deploy/compose.follow.yaml)
RUN mkdir -p /data /state && chown "$APP_UID" /data /state
VOLUME ["/data"]
ENV TbBridge__DataDirectory=/data \
    ASPNETCORE_URLS=http://0.0.0.0:5080 \
    TbBridge__Web__Urls=http://0.0.0.0:5081 \
    DOTNET_gcServer=1
EXPOSE 5080 5081
USER $APP_UID
# Health through the gRPC health service (grpc.health.v1), the same check Kubernetes probes use.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["dotnet", "/app/cli/tbbridge.dll", "health", "--server", "http://127.0.0.1:5080"]
ENTRYPOINT ["dotnet", "/app/server/TbBridge.Server.dll"]
