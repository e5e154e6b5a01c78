# Multi-stage, static kmsgate image: no shell, no curl, non-root.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/kmsgate ./cmd/kmsgate \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kmsgate /usr/local/bin/kmsgate
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV KMSGATE_LISTEN=0.0.0.0:4599 \
    KMSGATE_DATA=/data/kmsgate.db
VOLUME /data
EXPOSE 4599
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s --retries=3 \
  CMD ["/usr/local/bin/kmsgate", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/kmsgate"]
CMD ["serve", "--log-format", "json"]
