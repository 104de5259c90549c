import * as pulumi from "@pulumi/pulumi";
import { deployApp } from "./app";

const config = new pulumi.Config();
const app = deployApp("checkout", {
    platformStack: config.require("platformStack"),
    namespace: config.require("namespace"),
    hostname: config.require("hostname"),
    image: config.require("image"),
    secretStore: config.require("secretStore"),
});

export const url = app.url;
export const platformContractVersion = app.contractVersion;
