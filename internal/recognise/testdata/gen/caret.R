# caret::train(verboseIter = TRUE): "+ Fold1: ..." when a resample starts, "- Fold1: ..." when done.
set.seed(1)
suppressMessages(library(caret))
cat("- item one: a list in the log\n")
fit <- train(Sepal.Length ~ ., data = iris[, 1:4], method = "lm",
             trControl = trainControl(method = "cv", number = 3, verboseIter = TRUE))
fit2 <- train(Sepal.Length ~ ., data = iris[, 1:4], method = "knn", tuneLength = 2,
              trControl = trainControl(method = "repeatedcv", number = 2, repeats = 2, verboseIter = TRUE))
cat("+ Fold: nothing\n")
