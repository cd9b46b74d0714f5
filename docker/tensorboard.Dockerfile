# Stock TensorBoard reading the TbBridge data directory (mounted read-only at /data).
#   docker build -f docker/tensorboard.Dockerfile -t tbbridge/tensorboard docker
FROM python:3.12-slim
ARG TENSORBOARD_VERSION=2.21.0
RUN pip install --no-cache-dir "tensorboard==${TENSORBOARD_VERSION}" \
 && useradd --system --uid 10001 --no-create-home tensorboard
USER 10001
EXPOSE 6006
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:6006/data/runs', timeout=4)"]
ENTRYPOINT ["tensorboard", "--logdir", "/data", "--host", "0.0.0.0", "--port", "6006", "--reload_interval", "15"]
