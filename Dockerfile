# mocksandbox image (SPEC §10): a fully static cgo binary on scratch.
#
#   docker build -t mocksandbox --build-arg VERSION=1.0.0 .
#   docker run --rm -p 8080:8080 mocksandbox
#
# The build stage is named "build" and leaves the binary at
# /out/mocksandbox, so `podman build --build-context build=DIR` can supply a
# prebuilt DIR/out/mocksandbox instead: scripts/container-test.sh does, where
# no base image can be pulled. The static-build flags live only in
# scripts/build-static.sh, which both this stage and that test run.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN VERSION="${VERSION}" scripts/build-static.sh /out/mocksandbox

FROM scratch
COPY --from=build /out/mocksandbox /mocksandbox
USER 65532:65532
ENV MOCKSANDBOX_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=2s --timeout=2s --start-period=1s --retries=15 CMD ["/mocksandbox","healthcheck"]
ENTRYPOINT ["/mocksandbox"]
CMD ["serve"]
