export const trainingJobPath = (name: string) => `/training-jobs/${encodeURIComponent(name)}`;
export const processingJobPath = (name: string) => `/processing-jobs/${encodeURIComponent(name)}`;
/** SageMaker's built-in XGBoost image as the SageMaker SDK names it; Loam runs it as a built-in algorithm. */
export const builtInXgboostImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';

