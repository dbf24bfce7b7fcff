# The ukiyod image: ukiyod and ukiyoctl on a root filesystem of nothing but
# them, the shared libraries they load, CA certificates and time zones.
# No base image is pulled: tools/image.sh assembles rootfs/ from this
# machine's build and runs "docker build" on it:
#
#   tools/image.sh                     # builds build-image/, tags ukiyo/ukiyod:latest
#   docker run -d --name ukiyo -p 8080:8080 \
#       -v /var/run/docker.sock:/var/run/docker.sock -v ukiyo-dbs:/dbs ukiyo/ukiyod
FROM scratch
COPY rootfs/ /
ENV UKIYO_DB=/dbs/ukiyo.db \
    UKIYO_LISTEN=0.0.0.0:8080 \
    PATH=/usr/bin:/usr/sbin
VOLUME /dbs
EXPOSE 8080
LABEL org.opencontainers.image.title="ukiyod" \
      org.opencontainers.image.description="Keep Docker containers on their newest image" \
      ukiyo.self="true"
# SIGTERM stops it cleanly: the job in flight finishes first.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/sbin/ukiyod"]
