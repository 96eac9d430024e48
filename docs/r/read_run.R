# Reads a foramen run directory in R (base R only): the summary, the
# recovery curves and the labels; prints one line per policy.
# usage: Rscript docs/r/read_run.R RUN_DIR
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) > 0) args[1] else "."

summary <- read.csv(file.path(dir, "summary.csv"), stringsAsFactors = FALSE)
curves <- read.csv(file.path(dir, "curves.csv"), stringsAsFactors = FALSE)
labels <- read.csv(file.path(dir, "labels.csv"), stringsAsFactors = FALSE)

# Recovered by one year, from the curves (the grid day nearest 365).
recovered <- curves[curves$curve == "recovered", ]
one_year <- recovered[recovered$day == recovered$day[which.min(abs(recovered$day - 365))], ]

for (p in summary$policy) {
  s <- summary[summary$policy == p, ]
  label <- labels$label[labels$kind == "policy" & labels$name == p]
  y <- one_year[one_year$policy == p, ]
  cat(sprintf("%s\t%s\t%.17g\t%.17g\t%.17g\n", p, label, s$recovered, s$median_days, y$value))
}
