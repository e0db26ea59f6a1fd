# ---- formatting: names and values as rexporter reads them ------------------

# .rx_fields turns rx_send's arguments into "name: value" strings.
.rx_fields <- function(args) {
  arg_names <- names(args)
  if (is.null(arg_names)) arg_names <- rep("", length(args))
  out <- character(0)
  for (k in seq_along(args)) {
    v <- args[[k]]
    if (length(v) == 0L) next
    label <- if (nzchar(arg_names[[k]])) arg_names[[k]] else paste("argument", k)
    vals <- .rx_values(v, label)
    if (is.null(vals)) next
    el <- names(v)
    if (nzchar(arg_names[[k]])) {
      nm <- if (length(v) == 1L) arg_names[[k]]
            else if (!is.null(el) && all(nzchar(el))) paste(arg_names[[k]], el)
            else paste(arg_names[[k]], seq_along(v))
    } else if (!is.null(el) && all(nzchar(el))) {
      nm <- el
    } else {
      warning(sprintf("rx_send: argument %d has no name; skipped", k), call. = FALSE)
      next
    }
    nm <- .rx_name(nm)
    keep <- nzchar(nm) & nm != "job" & !is.na(vals)
    if (any(nm == "job" | !nzchar(nm))) {
      warning("rx_send: an empty name, or the name \"job\" (reserved for rx_connect(job = )); skipped",
              call. = FALSE)
    }
    if (any(keep)) out <- c(out, paste0(nm[keep], ": ", vals[keep]))
  }
  out
}

# .rx_values writes the values of one argument as rexporter reads them, or
# returns NULL (with a warning) when it cannot send them. An element that
# cannot be sent (a state rexporter would refuse) is NA.
.rx_values <- function(v, label) {
  if (inherits(v, "difftime")) {
    return(paste(.rx_format(as.numeric(v, units = "secs")), "secs"))
  }
  if (inherits(v, "POSIXct")) return(.rx_format(as.numeric(v)))
  if (is.factor(v)) v <- as.character(v)
  if (is.character(v)) return(.rx_state(v, label))
  if ((is.numeric(v) || is.logical(v)) && !is.object(v)) return(.rx_format(unname(v)))
  warning(sprintf(paste0("rx_send: %s is not a number, logical, difftime, POSIXct ",
                         "or character string; skipped"), label), call. = FALSE)
  NULL
}

# .rx_state turns strings into states rexporter accepts: refused characters
# become "_", the text is cut to 64 bytes. What would still be read as a
# number or refused (no leading letter, a leading NA/NaN/Inf/TRUE/FALSE word
# in any case, R's "Time difference of") is NA, with a warning.
# NA_character_ is sent as NA, a missing value.
.rx_state <- function(v, label) {
  missing <- is.na(v)
  s <- .rx_name(ifelse(missing, "", v), state = TRUE)
  s <- vapply(s, .rx_cut, "", 64L, USE.NAMES = FALSE)
  first <- tolower(sub("[ \t].*$", "", s))
  bad <- !missing & (!grepl("^[A-Za-z\\x80-\\xff]", s, perl = TRUE, useBytes = TRUE) |
                     first %in% c("na", "nan", "inf", "infinity", "true", "false") |
                     startsWith(s, "Time difference of"))
  if (any(bad)) {
    warning(sprintf(paste0("rx_send: %s: a state must start with a letter and not with ",
                           "NA, NaN, Inf, TRUE or FALSE; skipped"), label), call. = FALSE)
  }
  s[missing] <- "NA"
  s[bad] <- NA_character_
  s
}

# .rx_cut cuts a UTF-8 string to at most `bytes` bytes, on a character
# boundary, and trims trailing spaces.
.rx_cut <- function(x, bytes) {
  if (nchar(x, "bytes") <= bytes) return(x)
  r <- charToRaw(x)[seq_len(bytes + 1L)]
  end <- bytes
  # Back up to the start of the character that crosses the limit: UTF-8
  # continuation bytes are 10xxxxxx.
  while (end > 0L && bitwAnd(as.integer(r[[end + 1L]]), 0xC0L) == 0x80L) end <- end - 1L
  out <- rawToChar(r[seq_len(end)])
  Encoding(out) <- "UTF-8"
  trimws(out)
}

# .rx_learn_names sanitizes names for the hot path of rx_send and remembers
# them on the handle; NULL when one cannot be sent (the general path warns).
.rx_learn_names <- function(h, nms) {
  s <- .rx_name(nms)
  if (any(!nzchar(s) | s == "job")) return(NULL)
  if (length(h$w$names) >= 1000L) h$w$names <- character(0)   # bound the memory
  cache <- h$w$names
  cache[nms] <- s
  h$w$names <- cache
  s
}

# .rx_name keeps what rexporter accepts in a name: any text R prints,
# punctuation included ("(Intercept)", "wt:hp", "beta[1]"), whose original
# spelling rexporter keeps in the metric's HELP. Only what would break the
# message grammar becomes "_": the field separators "," and ";", a ":"
# followed by a space (it would end the name early), and control characters.
.rx_name <- function(x, state = FALSE) {
  x <- enc2utf8(as.character(x))
  # Byte-wise: every byte of a multi-byte UTF-8 character is >= 0x80, so only
  # ASCII is touched, and neither the locale (a C or latin1 locale would make
  # a character-wise regex rewrite "\u00e9" as "<U+00E9>") nor bytes that are
  # not valid UTF-8 can change the rest. A state (a text value) keeps only
  # what rexporter accepts in one: ASCII letters and digits, space, "_",
  # ".", "-", "/" and anything non-ASCII.
  re <- if (state) "[\\x01-\\x1f!-,:-@\\[-^`{-\\x7f]" else "[\\x01-\\x1f,;\\x7f]|:(?=[ \\t]|$)"
  x <- gsub(re, "_", x, perl = TRUE, useBytes = TRUE)
  Encoding(x) <- "UTF-8"   # what enc2utf8 made it; useBytes dropped the mark
  trimws(x)
}

# .rx_format writes values exactly as R prints them, which rexporter parses:
# as.character() gives 15 significant digits and 1e+05 / 1e-04 / NaN / Inf /
# -Inf; NA (which as.character() leaves as NA) is spelled "NA".
.rx_format <- function(v) {
  if (is.logical(v)) return(ifelse(is.na(v), "NA", ifelse(v, "TRUE", "FALSE")))
  out <- as.character(v)
  out[is.na(v) & !is.nan(v)] <- "NA"
  out
}
